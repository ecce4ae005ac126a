// Package config reads and writes the optional config file,
// $XDG_CONFIG_HOME/ra-p2p/config.json: the bootstrap peers, the helper's
// chosen name, the folder for received files and the screen quality the
// helper chose.
//
// A file that is missing is the zero value (the public DHT, nothing chosen
// yet). A file that is damaged is refused whole with a sentence naming the
// file and what is wrong, never half used. It must never start networking
// or ask anyone anything: it only says what the file says.
package config
