/** Text made safe for HTML. */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (character) => escapes[character]!);

type Part = Html | string | number | undefined | null | false | Part[];
const render = (part: Part): string =>
  Array.isArray(part) ? part.map(render).join('') : part instanceof Html ? part.value : part ? escape(String(part)) : '';

/** A template whose interpolations are escaped unless already `Html`; arrays are joined. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, text, index) => out + text + (index < parts.length ? render(parts[index]!) : ''), ''));
}
