import type { ChildProcess } from 'node:child_process';

/** SIGKILLs every child still running and waits for each to exit (a failed or timed-out test must not leave one behind). */
export async function killChildren(children: Set<ChildProcess>): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
}
