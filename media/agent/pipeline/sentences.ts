/**
 * Cuts the LLM's streamed text into pieces TTS can start on: sentences, and for the first piece of
 * a reply also a clause (after a comma, semicolon, colon or dash once a few words are there), so
 * speech starts before the model finished its first sentence. Decimal points, abbreviations and
 * initials do not end a sentence; a very long run without punctuation is cut at a space.
 */
const SENTENCE_END = /[.!?…]+["')\]]*(?=\s)|\n+/g;
const CLAUSE_END = /[,;:—–](?=\s)/g;
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'vs', 'etc', 'e.g', 'i.e', 'no', 'nr', 'approx', 'dhr', 'mevr']);
const FIRST_CLAUSE_MIN_CHARS = 20;
const MAX_PIECE_CHARS = 220;

export class SentenceSplitter {
  private buffer = '';
  private pieces = 0;

  /** Adds a delta; returns the pieces it completed, in order. */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.nextCut();
      if (cut < 0) break;
      const piece = this.buffer.slice(0, cut).trim();
      this.buffer = this.buffer.slice(cut);
      if (piece !== '') {
        out.push(piece);
        this.pieces++;
      }
    }
    return out;
  }

  /** The rest, at the end of the reply (null when nothing is left). */
  flush(): string | null {
    const rest = this.buffer.trim();
    this.buffer = '';
    if (rest === '') return null;
    this.pieces++;
    return rest;
  }

  private nextCut(): number {
    SENTENCE_END.lastIndex = 0;
    for (let m = SENTENCE_END.exec(this.buffer); m; m = SENTENCE_END.exec(this.buffer)) {
      if (m[0].startsWith('.') && !this.endsSentence(m.index)) continue;
      return m.index + m[0].length;
    }
    if (this.pieces === 0 && this.buffer.length >= FIRST_CLAUSE_MIN_CHARS) {
      CLAUSE_END.lastIndex = 0;
      for (let m = CLAUSE_END.exec(this.buffer); m; m = CLAUSE_END.exec(this.buffer)) {
        if (m.index >= FIRST_CLAUSE_MIN_CHARS - 1) return m.index + 1;
      }
    }
    if (this.buffer.length > MAX_PIECE_CHARS) {
      const space = this.buffer.lastIndexOf(' ', MAX_PIECE_CHARS);
      return space > 0 ? space : MAX_PIECE_CHARS;
    }
    return -1;
  }

  /** A period ends a sentence unless it follows an abbreviation or a single initial ("J."). */
  private endsSentence(dot: number): boolean {
    const word = (/([A-Za-z.]+)$/.exec(this.buffer.slice(0, dot))?.[1] ?? '').toLowerCase();
    return !ABBREVIATIONS.has(word) && !/^[a-z]$/.test(word);
  }
}
