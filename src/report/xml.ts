/** A minimal XML writer for the reports: escaped attributes and text, characters XML 1.0 forbids removed, undefined attributes left out. */

export interface XmlNode {
  render(indent?: string): string;
}

type AttributeValue = string | number | undefined;

// XML 1.0 allows tab, LF, CR and everything from U+0020 except the surrogates and U+FFFE/U+FFFF.
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeText(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttribute(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

export function element(name: string, attributes: Record<string, AttributeValue>, children: (XmlNode | string)[] = []): XmlNode {
  return {
    render(indent = '') {
      const attrs = Object.entries(attributes)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
        .join('');
      if (children.length === 0) return `${indent}<${name}${attrs}/>`;
      // Text content is written as is (no indentation added): consumers show it verbatim.
      if (children.every((child) => typeof child === 'string')) return `${indent}<${name}${attrs}>${escapeText(children.join(''))}</${name}>`;
      const inner = children.map((child) => (typeof child === 'string' ? escapeText(child) : child.render(`${indent}  `))).join('\n');
      return `${indent}<${name}${attrs}>\n${inner}\n${indent}</${name}>`;
    },
  };
}
