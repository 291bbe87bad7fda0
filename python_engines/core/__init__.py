"""What every layer uses: settings, the user-facing error, guards for names and paths, the output
schemas, and the process (memory guard, a quick exit, an offline browser for pages)."""
