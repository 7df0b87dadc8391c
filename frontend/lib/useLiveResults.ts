"use client";
/**
 * Polls GET /api/results about once a second (so a counted vote shows within ~2 s) and remembers whether the
 * last poll failed, so the page can say the numbers are stale instead of presenting them as current.
 */
import { useEffect, useState } from "react";
import type { ResultsSnapshot } from "./results";
import { fetchResults } from "./voteApi";

export const POLL_INTERVAL_MS = 1000;

export interface LiveResults {
  snapshot: ResultsSnapshot | null;
  /** When the shown numbers were received. */
  updatedAt: Date | null;
  /** True while the most recent poll failed (API or proxy unreachable). */
  unreachable: boolean;
}

export function useLiveResults(intervalMs: number = POLL_INTERVAL_MS): LiveResults {
  const [state, setState] = useState<LiveResults>({ snapshot: null, updatedAt: null, unreachable: false });

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;

    const poll = async () => {
      controller = new AbortController();
      try {
        const snapshot = await fetchResults(controller.signal);
        if (!stopped) setState({ snapshot, updatedAt: new Date(), unreachable: false });
      } catch {
        if (!stopped) setState((prev) => ({ ...prev, unreachable: true }));
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    void poll();

    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      controller?.abort();
    };
  }, [intervalMs]);

  return state;
}
