//go:build !race

package iamusage

const raceEnabled = false
