import type { TesseraConfig } from '../../config.js';

/** The configured colours as CSS variables; served as a stylesheet so the CSP needs no inline style. */
export function themeCss(branding: TesseraConfig['branding']): string {
  return `:root {\n  --primary: ${branding.primaryColor};\n  --primary-text: ${branding.primaryTextColor};\n}\n`;
}
