"""Settings from the environment: the answer cache size."""

from __future__ import annotations

import pytest

from bot.server.settings import Settings, SettingsError


def test_answer_cache_defaults_on_and_can_be_turned_off():
    assert Settings.from_env({}).answer_cache == 4096
    assert Settings.from_env({"RESBOT_ANSWER_CACHE": "0"}).answer_cache == 0
    assert Settings.from_env({"RESBOT_ANSWER_CACHE": "100"}).answer_cache == 100


def test_a_bad_answer_cache_value_names_the_variable():
    with pytest.raises(SettingsError, match="RESBOT_ANSWER_CACHE"):
        Settings.from_env({"RESBOT_ANSWER_CACHE": "-1"})
