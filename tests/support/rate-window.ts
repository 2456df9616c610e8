// Rate-limit tests against the gateway, whose read and bad-request limits count per wall-clock minute.

/**
 * Runs `attempt` (which makes its own fresh clients) inside one rate-limit window. The gateway's read and
 * bad-request limits count per wall-clock minute, so a sequence that straddles a minute's end is split over two
 * windows and meets no limit, which a loaded machine made likely. The stack runs in this process, on this clock:
 * if `attempt` fails and a minute ended while it ran, it runs once more, from the start of a whole new minute; a
 * failure inside one window is reported as it is.
 */
export async function withinOneWindow(attempt: () => Promise<void>): Promise<void> {
  const window = () => Math.floor(Date.now() / 60_000);
  const started = window();
  try {
    await attempt();
  } catch (err) {
    if (window() === started) throw err;
    await attempt();
  }
}
