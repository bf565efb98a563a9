/**
 * Checks a desired-properties patch before it goes to the hub, with the gateway's own rules (edge/remote-config.ts):
 * the patch is merged into the current desired document the way the hub merges it, and each section the patch
 * touches must then be accepted by the gateway. A section the patch does not touch is not judged, so one bad
 * section written earlier by someone else does not block every later change. Pure.
 */
import { applyDesired, EMPTY_REMOTE_CONFIG, mergePatch } from '../../edge/remote-config.ts';

export const DESIRED_SECTIONS = ['uplink', 'rules', 'killSwitch'] as const;
export type DesiredSection = (typeof DESIRED_SECTIONS)[number];

/** IoT Hub's limit for the desired section of a twin. */
export const MAX_DESIRED_BYTES = 32 * 1024;

export type DesiredCheck = { ok: true; merged: Record<string, unknown> } | { ok: false; errors: string[] };

export function checkDesiredPatch(current: Record<string, unknown>, patch: Record<string, unknown>): DesiredCheck {
  const unknown = Object.keys(patch).filter((k) => !(DESIRED_SECTIONS as readonly string[]).includes(k));
  if (unknown.length) return { ok: false, errors: unknown.map((k) => `/${k}: not a setting the gateway takes (allowed: ${DESIRED_SECTIONS.join(', ')})`) };
  const base = Object.fromEntries(Object.entries(current).filter(([k]) => !k.startsWith('$')));
  const merged = mergePatch(base, patch);
  const touched = Object.keys(patch).filter((k) => patch[k] !== null);
  const { errors } = applyDesired(EMPTY_REMOTE_CONFIG, merged);
  const relevant = errors.filter((e) => touched.some((s) => e === `/${s}` || e.startsWith(`/${s}/`) || e.startsWith(`/${s}:`)));
  const size = Buffer.byteLength(JSON.stringify(merged));
  if (size > MAX_DESIRED_BYTES) relevant.push(`desired properties would be ${size} bytes, more than the hub's ${MAX_DESIRED_BYTES}`);
  return relevant.length ? { ok: false, errors: relevant } : { ok: true, merged };
}
