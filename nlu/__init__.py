"""Cảnh Giác NLU: the Rasa project (config.yml, domain.yml, data/) and the Python engines.

The app calls `nlu.engine.load_engine(model_dir, rasa_url)` and then `engine.parse(text)`,
which returns Rasa's `/model/parse` shape whichever engine answers.
"""
