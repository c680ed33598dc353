import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import { renderEmailHtml } from '../../src/delivery/email-template.js';

const branding = configSchema.shape.branding.parse({ productName: 'Acme <Accounts> & Co', primaryColor: '#0a7d4f' });

describe('the HTML email', () => {
  it('escapes the subject, the text and the product name', () => {
    const html = renderEmailHtml({ subject: 'Code for <you>', text: 'Hello "friend" <img src=x onerror=alert(1)>' }, branding);
    expect(html).toContain('Acme &lt;Accounts&gt; &amp; Co');
    expect(html).toContain('<title>Code for &lt;you&gt;</title>');
    expect(html).toContain('Hello &quot;friend&quot; &lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<img|<you>|<Accounts>/);
  });

  it('keeps each line of the text, links a web address alone on its line and sets a code alone in its paragraph large', () => {
    const html = renderEmailHtml(
      {
        subject: 'Confirm your email',
        text: 'Your code is:\n\nK7Q2-9XMA\n\nOr open this link:\nhttps://auth.example.com/verify?t=a&b=1\njavascript:alert(1)\n\nCode 482913 expires in 10 minutes.',
      },
      branding,
    );
    const paragraphs = [...html.matchAll(/<p style="([^"]*)">(.*?)<\/p>/gs)].map(([, style, content]) => ({ style, content }));
    expect(paragraphs.map(({ content }) => content)).toEqual([
      'Your code is:',
      'K7Q2-9XMA',
      'Or open this link:<br /><a href="https://auth.example.com/verify?t=a&amp;b=1" style="color: #0a7d4f; word-break: break-all">https://auth.example.com/verify?t=a&amp;b=1</a><br />javascript:alert(1)',
      'Code 482913 expires in 10 minutes.',
      'Sent by Acme &lt;Accounts&gt; &amp; Co',
    ]);
    expect(paragraphs[1]!.style).toContain('font: 700 28px');
    expect(paragraphs[3]!.style).not.toContain('28px');
  });
});
