/**
 * The spec's content-type table (spec/apis/reference_materials/content_types.md)
 * and lookup by file name. Only these types are "valid Origin Storage MIME
 * types" for X-Agile-Content-Type and setContentType.
 */
const TABLE: ReadonlyArray<readonly [string, string]> = [
  ['application/atom+xml', 'atom'],
  ['application/java-archive', 'jar war ear'],
  ['application/json', 'json'],
  ['application/mac-binhex40', 'hqx'],
  ['application/msword', 'doc'],
  ['application/octet-stream', 'bin exe dll deb dmg eot iso img msi msp msm'],
  ['application/ogg', 'ogx'],
  ['application/pdf', 'pdf'],
  ['application/postscript', 'ps eps ai'],
  ['application/rtf', 'rtf'],
  ['application/vnd.google-earth.kml+xml', 'kml'],
  ['application/vnd.google-earth.kmz', 'kmz'],
  ['application/vnd.ms-excel', 'xls'],
  ['application/vnd.ms-powerpoint', 'ppt'],
  ['application/vnd.wap.wmlc', 'wmlc'],
  ['application/x-7z-compressed', '7z'],
  ['application/x-cocoa', 'cco'],
  ['application/xhtml+xml', 'xhtml'],
  ['application/x-java-archive-diff', 'jardiff'],
  ['application/x-java-jnlp-file', 'jnlp'],
  ['application/x-javascript', 'js'],
  ['application/x-makeself', 'run'],
  ['application/x-perl', 'pl pm'],
  ['application/x-pilot', 'prc pdb'],
  ['application/x-rar-compressed', 'rar'],
  ['application/x-redhat-package-manager', 'rpm'],
  ['application/x-sea', 'sea'],
  ['application/x-stuffit', 'sit'],
  ['application/x-tcl', 'tcl tk'],
  ['application/x-x509-ca-cert', 'der pem crt'],
  ['application/x-xpinstall', 'xpi'],
  ['application/zip', 'zip'],
  ['audio/midi', 'mid midi kar'],
  ['audio/mpeg', 'mpga mpega mp2 mp3 m4a'],
  ['audio/ogg', 'oga ogg spx'],
  ['audio/webm', 'weba'],
  ['audio/x-realaudio', 'ra'],
  ['image/gif', 'gif'],
  ['image/jpeg', 'jpeg jpg'],
  ['image/png', 'png'],
  ['image/svg+xml', 'svg svgz'],
  ['image/tiff', 'tif tiff'],
  ['image/vnd.wap.wbmp', 'wbmp'],
  ['image/x-icon', 'ico'],
  ['image/x-jng', 'jng'],
  ['image/x-ms-bmp', 'bmp'],
  ['text/css', 'css'],
  ['text/html', 'html htm shtml'],
  ['text/mathml', 'mml'],
  ['text/plain', 'txt'],
  ['text/vnd.sun.j2me.app-descriptor', 'jad'],
  ['text/vnd.wap.wml', 'wml'],
  ['text/x-component', 'htc'],
  ['text/xml', 'xml rss'],
  ['video/3gpp', '3gpp 3gp'],
  ['video/mp4', 'mp4'],
  ['video/mpeg', 'mpeg mpg mpe'],
  ['video/ogg', 'ogv'],
  ['video/quicktime', 'mov'],
  ['video/webm', 'webm'],
  ['video/x-flv', 'flv'],
  ['video/x-mng', 'mng'],
  ['video/x-ms-asf', 'asx asf'],
  ['video/x-msvideo', 'avi'],
  ['video/x-ms-wmv', 'wmv'],
];

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const BY_EXTENSION = new Map<string, string>();
const KNOWN = new Map<string, number>();
TABLE.forEach(([mime, exts], index) => {
  if (!KNOWN.has(mime)) KNOWN.set(mime, index + 1);
  for (const ext of exts.split(' ')) BY_EXTENSION.set(ext, mime);
});

/** A MIME type from the spec's table (case-insensitive, parameters ignored). */
export function canonicalContentType(value: string): string | undefined {
  const bare = value.split(';')[0]!.trim().toLowerCase();
  return KNOWN.has(bare) ? bare : undefined;
}

export function contentTypeByName(fileName: string): string | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0 || dot === fileName.length - 1) return undefined;
  return BY_EXTENSION.get(fileName.slice(dot + 1).toLowerCase());
}

/**
 * The integer `ctype` the vendor's C# SDK reads from listPath entries: the
 * type's 1-based row in the spec's table, 0 when unknown.
 */
export function contentTypeNumber(mime: string): number {
  return KNOWN.get(mime) ?? 0;
}

export type ContentDetect = 'name' | 'content' | 'auto';

export function parseContentDetect(value: string): ContentDetect | undefined {
  const v = value.trim().toLowerCase();
  return v === 'name' || v === 'content' || v === 'auto' ? v : undefined;
}
