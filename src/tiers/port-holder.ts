import { execa } from 'execa';

/** Which process listens on a TCP port, when `ss` can tell (best effort, Linux). */
export async function portHolder(port: number): Promise<string | undefined> {
  try {
    const { stdout } = await execa('ss', ['-Hltnp', `sport = :${port}`], { timeout: 1_000, reject: false });
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
    if (match) return `${match[1]} (pid ${match[2]})`;
    return stdout.trim() ? 'another process (run as root to see which)' : undefined;
  } catch {
    return undefined;
  }
}
