"""The seeds' system as one simulation: bargaining sets posture, posture drives launches, launches move actors."""
