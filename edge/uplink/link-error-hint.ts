/**
 * What an operator should check when the hub link fails, where the SDK's message alone misleads: a certificate
 * that is not valid at this gateway's clock surfaces as "Not authorized", which reads like a wrong device key.
 */
export function linkErrorHint(message: string): string | undefined {
  if (/certificate is not yet valid/i.test(message)) return "the hub's TLS certificate is not valid yet by this gateway's clock: the clock is probably behind (timedatectl)";
  if (/certificate has expired/i.test(message)) return "the hub's TLS certificate has expired, or this gateway's clock is ahead (timedatectl)";
  if (/self[- ]signed certificate|unable to (get local issuer|verify the first) certificate/i.test(message)) return "the hub's certificate does not chain to uplink.caFile (or the system CAs without one)";
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return 'the hub host name does not resolve (DNS, or the HostName in the connection string)';
  return undefined;
}
