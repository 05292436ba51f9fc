"""The suite's own small models of documented behaviour, for differential testing."""
