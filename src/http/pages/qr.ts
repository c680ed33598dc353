/** A QR code as a data: URL for an <img>, which the Content-Security-Policy allows; the encoder loads on first use. */
export async function qrDataUrl(text: string, width: number): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 1, width });
}
