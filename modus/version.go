package modus

// Version is the version of this SDK. It is sent in the default User-Agent
// header so that Modus can tell SDK releases apart when diagnosing problems.
const Version = "0.1.0"
