const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The UTF-8 byte sizes of the elements of the top-level `"batch"` array of a JSON text, found in one scan
 * of the text, so that Segment's 32 KB limit per message is checked without serializing each message
 * again. Undefined when the text has no such array (the caller then measures another way).
 */
export function batchMessageSizes(json: string): number[] | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  let lastString: string | undefined;
  let key: string | undefined;
  let batchDepth = -1;
  let sizes: number[] = [];
  let current = -1;
  let result: number[] | undefined;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (batchDepth >= 0 && depth === batchDepth && current < 0 && !isSpace(c) && c !== 0x2c && c !== 0x5d) current = 0;
    // UTF-8 length of the UTF-16 unit: a surrogate pair is 4 bytes, 2 for each half.
    if (current >= 0) current += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
    if (inString) {
      if (c === 0x5c) {
        i++;
        if (current >= 0) current += 1;
      } else if (c === 0x22) {
        inString = false;
        if (depth === 1) lastString = json.slice(stringStart, i);
      }
      continue;
    }
    switch (c) {
      case 0x22:
        inString = true;
        stringStart = i + 1;
        break;
      case 0x3a:
        if (depth === 1) key = lastString;
        break;
      case 0x5b:
      case 0x7b:
        if (c === 0x5b && depth === 1 && key === 'batch') {
          batchDepth = 2;
          sizes = [];
        }
        depth++;
        break;
      case 0x5d:
      case 0x7d:
        if (c === 0x5d && depth === batchDepth) {
          if (current >= 0) sizes.push(current - 1);
          result = sizes;
          batchDepth = -1;
          current = -1;
        }
        depth--;
        break;
      case 0x2c:
        if (depth === batchDepth && current >= 0) {
          sizes.push(current - 1);
          current = -1;
        }
        break;
    }
  }
  return result;
}
