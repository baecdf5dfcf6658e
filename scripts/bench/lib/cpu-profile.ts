/**
 * Starts this process's CPU profiler (the inspector, no flags needed) and returns the function that
 * stops it and writes the profile (`.cpuprofile`, readable by Chrome DevTools) to a path.
 */
export async function startCpuProfile(): Promise<(path: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (path: string) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}
