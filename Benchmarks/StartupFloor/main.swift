// The start-up floor of section 4 of `make bench`: a Swift program that imports Foundation,
// built like the installed appvault (static standard library and Foundation, -z now), reads
// its environment and prints one line. appvault's own start-up is what it adds to this.
import Foundation

print(ProcessInfo.processInfo.environment["HOME"] ?? "no HOME")
