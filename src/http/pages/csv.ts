/**
 * RFC 4180 CSV: every field quoted, quotes doubled, lines ended with CRLF. A field that a
 * spreadsheet would run as a formula (= + - @, tab or CR first) gets a leading apostrophe, so an
 * address or user agent chosen by an attacker cannot run in an administrator's spreadsheet.
 */
export function toCsv(rows: string[][]): string {
  const field = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replaceAll('"', '""')}"`;
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
