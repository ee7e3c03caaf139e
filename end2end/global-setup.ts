// Waits until the server answers, so the first spec does not race its start-up.
export default async function globalSetup(): Promise<void> {
  const url = `${process.env.PORTICO_URL ?? 'http://127.0.0.1:3000'}/login`;
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Portico did not answer at ${url} within 60 s (${last})`);
}
