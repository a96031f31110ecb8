package modustest

// ChecksNumericParam reports whether checkRequest checks query parameter
// name on path.
func ChecksNumericParam(name, path string) bool {
	for _, p := range numericParams {
		if p.name == name && p.path.MatchString(path) {
			return true
		}
	}
	return false
}
