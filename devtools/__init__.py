"""Development tools: the local Stripe emulator launcher. Never shipped to production."""
