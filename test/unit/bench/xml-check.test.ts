import { describe, expect, it } from 'vitest';
import { checkXml } from './xml-check.js';

// The checker guards every chart test, so it must itself reject what it claims to.
describe('checkXml (test helper)', () => {
  it.each([
    ['<svg xmlns="x"><g><rect/></g></svg>'],
    ['<svg a="1" b=\'2\'>text &amp; &lt;more&gt; &#60; &#x3c;</svg>\n'],
    ['<!-- c --><svg><title>t</title></svg>'],
  ])('accepts %s', (doc) => {
    expect(checkXml(doc)).toEqual([]);
  });

  it.each([
    ['unbalanced', '<svg><g></svg>'],
    ['misnested', '<svg><g><text></g></text></svg>'],
    ['unclosed', '<svg><g>'],
    ['two roots', '<svg/><svg/>'],
    ['bare ampersand in text', '<svg>a & b</svg>'],
    ['bare ampersand in attribute', '<svg a="x&y"/>'],
    ['raw < in attribute', '<svg a="x<y"/>'],
    ['unquoted attribute', '<svg a=1/>'],
    ['duplicate attribute', '<svg a="1" a="2"/>'],
    ['text outside root', 'hello<svg/>'],
    ['control character', '<svg>\u0001</svg>'],
  ])('rejects %s', (_name, doc) => {
    expect(checkXml(doc)).not.toEqual([]);
  });
});
