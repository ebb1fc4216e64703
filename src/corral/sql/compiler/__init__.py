"""The compiler: statements to SQL text for one dialect, cached by shape."""
