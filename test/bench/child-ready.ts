/** Children forked with IPC call this once listening: report the port, and exit with the parent. */
export function reportReady(port: number): void {
  process.send?.({ port });
  process.once('disconnect', () => process.exit(0));
}
