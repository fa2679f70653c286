"""placeholder until filled."""
COMMANDS = []
