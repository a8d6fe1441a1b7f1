package io.chatgateway.router.config;

import io.chatgateway.router.error.RoutingException;
import java.util.List;

/** A routing configuration failed validation; {@link #problems()} says what was expected, field by field. */
public final class ConfigException extends RoutingException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
