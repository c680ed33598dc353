import QRCode from 'qrcode';

/** A QR code as a data: URL for an <img>, which the Content-Security-Policy allows. */
export function qrDataUrl(text: string, width: number): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 1, width });
}
