"""Test helpers shipped with the package (scripted LLM servers, fixtures) for offline tests."""
