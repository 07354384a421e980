/**
 * Azure Blob's List Blobs answer (`GET <container>?restype=container&comp=list`), an XML
 * `EnumerationResults`: the account's file store writes it, and the agent and the client read it from
 * the store and from Azure Blob alike. Only what both need is read: each blob's name, size and
 * modification time, and the `NextMarker` that asks for the next page.
 */

export interface BlobItem {
  name: string;
  contentLength: number;
  /** As sent: an HTTP date. */
  lastModified: string;
}

export interface BlobListPage {
  blobs: BlobItem[];
  /** Absent or empty on the last page. */
  nextMarker?: string;
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return entities[entity]!;
  });
}

function encodeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${Object.entries(entities).find(([, v]) => v === c)![0]};`);
}

function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return match ? decodeXml(match[1]!) : undefined;
}

export function parseBlobList(xml: string): BlobListPage {
  const blobs: BlobItem[] = [];
  for (const match of xml.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) {
    const body = match[1]!;
    const name = element(body, "Name");
    if (name === undefined) continue;
    blobs.push({
      name,
      contentLength: Number(element(body, "Content-Length") ?? 0),
      lastModified: element(body, "Last-Modified") ?? "",
    });
  }
  // Names are escaped, so the only <NextMarker> element is the page's own.
  const nextMarker = element(xml, "NextMarker");
  return { blobs, nextMarker: nextMarker || undefined };
}

export function renderBlobList(
  containerUrl: string,
  request: { prefix: string; marker: string; maxResults: number },
  page: BlobListPage,
): string {
  const blobs = page.blobs
    .map(
      (b) =>
        `<Blob><Name>${encodeXml(b.name)}</Name><Properties><Last-Modified>${b.lastModified}</Last-Modified>` +
        `<Content-Length>${b.contentLength}</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>`,
    )
    .join("");
  return (
    `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="${encodeXml(containerUrl)}">` +
    `<Prefix>${encodeXml(request.prefix)}</Prefix><Marker>${encodeXml(request.marker)}</Marker>` +
    `<MaxResults>${request.maxResults}</MaxResults><Blobs>${blobs}</Blobs>` +
    `<NextMarker>${encodeXml(page.nextMarker ?? "")}</NextMarker></EnumerationResults>`
  );
}

/** The error code of a storage answer: its `x-ms-error-code` header, else `<Code>` of an XML body, else `code` of a JSON one. */
export function storageErrorCode(
  errorCodeHeader: string | null | undefined,
  body: string,
): string | undefined {
  if (errorCodeHeader) return errorCodeHeader;
  const xmlCode = element(body, "Code");
  if (xmlCode) return xmlCode;
  try {
    const json = JSON.parse(body) as { code?: unknown };
    return typeof json.code === "string" ? json.code : undefined;
  } catch {
    return undefined;
  }
}
