"""Anonymous tips: intake, triage, encrypted storage, receipt codes and the follow-up thread."""
