/** Bytes a kept whole answer holds: its body, headers and the entry around them. */
export function answerBytes(body: Buffer, contentType: string): number {
  return 128 + body.length + contentType.length;
}
