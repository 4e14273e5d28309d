/**
 * Saves text as a file the way both hosts allow: a Blob URL on an anchor with `download`
 * (Chromium saves it; Electron hands it to its download manager). The CSV gets a UTF-8
 * byte-order mark so spreadsheets read non-Latin venue text (T-Invest's Russian reasons)
 * as UTF-8 rather than the system code page.
 */
const BOM = '\uFEFF';

export function saveCsv(filename: string, csv: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([BOM, csv], { type: 'text/csv;charset=utf-8' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  doc.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The click has started the download; the URL must outlive this task for it to be read.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
