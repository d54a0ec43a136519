/**
 * "Did you mean" suggestions for misspelt names: the closest candidate by edit distance
 * (optimal string alignment, so a swapped pair of letters counts as one edit).
 */

/** Edit distance with insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (r: number, c: number): number => d[r * cols + c] ?? 0;
  for (let r = 0; r < rows; r++) d[r * cols] = r;
  for (let c = 0; c < cols; c++) d[c] = c;
  for (let r = 1; r < rows; r++) {
    for (let c = 1; c < cols; c++) {
      const cost = a[r - 1] === b[c - 1] ? 0 : 1;
      let best = Math.min(at(r - 1, c) + 1, at(r, c - 1) + 1, at(r - 1, c - 1) + cost);
      if (r > 1 && c > 1 && a[r - 1] === b[c - 2] && a[r - 2] === b[c - 1]) {
        best = Math.min(best, at(r - 2, c - 2) + 1);
      }
      d[r * cols + c] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

/**
 * The candidate closest to `name`, if it is close enough to be a plausible typo: a case-only
 * difference always is; otherwise at most one edit per three characters (at least one, at most 3).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = candidate.toLowerCase() === lower ? 0.5 : editDistance(name, candidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `['did you mean "x"?']`, or no notes when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  const match = closestName(name, candidates);
  return match === undefined ? [] : [`did you mean "${match}"?`];
}
