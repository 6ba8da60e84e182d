"""The string catalogue (shared with the console): see hotline.kit.i18n."""

from hotline.kit.i18n import DEFAULT_LANGUAGE, LANGUAGES, Catalog, MissingString

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalog", "MissingString"]
