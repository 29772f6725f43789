package io.karakuri.hitoha.container;

import java.util.List;

/** Names for containers created without --name, Docker-style ("calm_hopper"), picked by the id. */
final class Names {
    private static final List<String> ADJECTIVES = List.of("agile", "bold", "brave", "bright", "calm", "clever",
            "eager", "fond", "gentle", "happy", "keen", "kind", "lucid", "merry", "nimble", "proud", "quiet", "sharp",
            "steady", "swift", "tender", "vivid", "wise", "zen");
    private static final List<String> NOUNS = List.of("babbage", "curie", "dijkstra", "einstein", "euler", "fermat",
            "gauss", "hopper", "hypatia", "kepler", "knuth", "lamport", "lovelace", "noether", "pascal", "ritchie",
            "shannon", "tesla", "thompson", "torvalds", "turing", "wozniak", "yonath", "zuse");

    private Names() {
    }

    /** A name from the id's digits, with the id's first six digits so that two never clash. */
    static String generate(String id) {
        long n = Long.parseLong(id, 16);
        return ADJECTIVES.get((int) (n % ADJECTIVES.size())) + "_" + NOUNS.get((int) ((n / ADJECTIVES.size()) % NOUNS.size()))
                + "_" + id.substring(0, 6);
    }
}
