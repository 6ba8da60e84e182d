"""The awareness library: pieces, quiz banks and red flags, from files and the console."""
