/** Time and ids, injected so that tests can pin them. */
import { randomUUID } from 'node:crypto';

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface Ids {
  token(): string;
  hex(): string;
}

export const randomIds: Ids = {
  token: () => randomUUID(),
  hex: () => randomUUID().replaceAll('-', ''),
};
