"""Platform credentials that the platform itself rotates (Zalo OA tokens), encrypted."""
