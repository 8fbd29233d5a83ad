/**
 * `Content-Disposition: attachment` for a downloaded path. The original sends the raw path; Node refuses header values
 * outside Latin-1 (and quotes or control characters would break the header), so names that are not plain printable
 * ASCII get an ASCII fallback plus the exact name in RFC 5987 / RFC 6266 `filename*=UTF-8''...` form.
 */

const PLAIN = /^[\x20-\x7e]*$/;

/** RFC 5987 `attr-char`s stay, everything else is percent-encoded UTF-8. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The header value for `path`. */
export function contentDisposition(path: string): string {
  if (PLAIN.test(path) && !/["\\]/.test(path)) return `attachment; filename="${path}"`;
  const fallback = path.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(path)}`;
}
