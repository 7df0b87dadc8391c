/**
 * The browser's stable anonymous voter id ("anonymous-<random>"), generated once and kept in localStorage
 * so a reload keeps the same ballot (the API replaces a voter's earlier vote on the same candidate).
 */
import { randomHex32 } from "./random";

export const VOTER_ID_KEY = "votelab.voterId";
const VOTER_ID_PATTERN = /^anonymous-[a-z0-9]{8,40}$/;

/** The subset of the Web Storage API we use, so tests can pass a plain in-memory store. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export type RandomHex = () => string;

/** 32 hex characters from the platform's CSPRNG (works outside secure contexts too, see lib/random.ts). */
export const cryptoRandomHex: RandomHex = () => randomHex32();

export function isValidVoterId(value: unknown): value is string {
  return typeof value === "string" && VOTER_ID_PATTERN.test(value);
}

export function newVoterId(random: RandomHex = cryptoRandomHex): string {
  return `anonymous-${random().toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 32)}`;
}

/** Returns the stored id, or creates, stores and returns a new one (a corrupted value is replaced). */
export function loadOrCreateVoterId(store: KeyValueStore, random: RandomHex = cryptoRandomHex): string {
  const existing = store.getItem(VOTER_ID_KEY);
  if (isValidVoterId(existing)) return existing;
  const created = newVoterId(random);
  store.setItem(VOTER_ID_KEY, created);
  return created;
}
