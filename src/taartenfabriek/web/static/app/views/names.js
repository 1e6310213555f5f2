// The same rules the API applies to local VM names (api.md), checked before sending so the
// person sees the problem next to the field at once; the API's 422 stays the authority.
const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RESERVED = new Set(['categorized', 'refresh', 'create', 'pull', 'available-images']);

export function nameError(raw, existing = []) {
  const name = (raw || '').trim();
  if (!name) return 'Enter a name.';
  if (name.length > 128) return 'At most 128 characters.';
  if (!LOCAL_NAME.test(name)) return 'Start with a letter or digit; then use letters, digits, dots, dashes or underscores.';
  if (name.toLowerCase().startsWith('orchard-')) return 'Names starting with "orchard-" belong to Orchard workers.';
  if (RESERVED.has(name.toLowerCase())) return `"${name}" is reserved by the API; choose another name.`;
  const lower = name.toLowerCase();
  if (existing.some((other) => other.toLowerCase() === lower)) return `A VM named ${name} already exists.`;
  return null;
}

/** `base-clone`, or `base-clone-2`... if taken. */
export function suggestName(base, existing) {
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'vm';
  const taken = new Set(existing.map((n) => n.toLowerCase()));
  if (!taken.has(clean.toLowerCase())) return clean;
  for (let i = 2; ; i += 1) if (!taken.has(`${clean}-${i}`.toLowerCase())) return `${clean}-${i}`;
}

/** A loose check of an OCI reference (`host/repo[:tag|@sha256:…]`); the API decides. */
export function referenceError(raw) {
  const ref = (raw || '').trim();
  if (!ref) return 'Enter an image reference, e.g. ghcr.io/cirruslabs/macos-sequoia-base:latest.';
  if (/\s/.test(ref)) return 'A reference has no spaces.';
  if (!ref.includes('/')) return 'Include the registry and repository, e.g. ghcr.io/owner/image:tag.';
  return null;
}
