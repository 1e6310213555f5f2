// Sizes as people read them, and the names of storage entries (shared by storage and prune).
import { shortDigest } from '../format.js';

export const GB = 1e9;
/** Below this much free space a typical macOS image (a 50 GB disk) cannot be pulled. */
export const MACOS_IMAGE_GB = 50.2;

/** GB (10^9, like Tart and Finder) as people read it: `0.9 GB`, `21.2 GB`, `143 GB`. */
export function sizeLabel(gb) {
  if (gb === null || gb === undefined || !Number.isFinite(gb)) return '—';
  if (gb >= 1000) return `${(gb / 1000).toFixed(2)} TB`;
  if (gb >= 100) return `${Math.round(gb)} GB`;
  if (gb >= 0.1 || gb === 0) return `${gb.toFixed(1).replace(/\.0$/, '')} GB`;
  return `${Math.max(1, Math.round(gb * 1000))} MB`;
}

/** An entry's name as shown: an image digest by its first tag, the digest below it. */
export function entryName({ name, kind, tags = [] }) {
  if (kind === 'image') {
    const at = name.indexOf('@');
    const digest = at === -1 ? '' : shortDigest(name.slice(at + 1));
    return { title: tags[0] || name.slice(0, at === -1 ? undefined : at), sub: [digest, ...tags.slice(1)].filter(Boolean).join(' · '), link: tags[0] || name };
  }
  if (kind === 'vm') return { title: name, sub: '', link: name };
  return { title: name, sub: 'IPSW (macOS installer)', link: null };
}
