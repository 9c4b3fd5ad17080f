import { base64ToBytes, type BallastClient } from './api';

/**
 * Browser mode writes trade lists only into the server's exports folder (issue 11); the PM gets the file
 * in the browser by downloading it. The server serves an export only if it is in that folder and still
 * hashes to what was recorded, so what is saved here is byte for byte the file the audit log names.
 */
export async function downloadExport(client: BallastClient, exportId: number, doc: Document = document): Promise<string> {
  const file = await client.call('exports.download', { exportId });
  const url = URL.createObjectURL(new Blob([base64ToBytes(file.contentBase64)], { type: file.mediaType }));
  try {
    const link = doc.createElement('a');
    link.href = url;
    link.download = file.fileName;
    link.rel = 'noopener';
    doc.body.appendChild(link);
    link.click();
    link.remove();
  } finally {
    // The click has handed the blob to the download manager; keep it a moment for slow browsers.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  return file.fileName;
}
