/** The admin key acts as one organization at a time on the pages that read /api/v1. */
export function NeedsOrg({ what }: { what: string }) {
  return <p class="empty">Choose an organization at the top to see its {what}.</p>;
}
