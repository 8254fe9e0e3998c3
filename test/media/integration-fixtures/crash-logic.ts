/** Call logic for the worker-crash test: the loopback logic, plus `say crash` (uncaught error) and `say exit` (process.exit in the worker). */
import { createEchoLogic } from '../../../media/call/echo-logic.js';
import type { CallLogicFactory } from '../../../media/call/types.js';

export const createCallLogic: CallLogicFactory = (media, start, host) => {
  const echo = createEchoLogic(media, start, host);
  return {
    ...echo,
    control(control) {
      if (control.kind === 'say' && control.content === 'crash') {
        setTimeout(() => {
          throw new Error('simulated crash in call logic');
        }, 0);
      } else if (control.kind === 'say' && control.content === 'exit') {
        process.exit(7);
      } else echo.control?.(control);
    },
  };
};
