package io.chatgateway.protocol;

/**
 * Immutable limits the codec enforces. Defaults follow PROTOCOL.md v1.
 *
 * <ul>
 *   <li>{@link #DEFAULT_MAX_FRAME_BYTES} 64 KiB: the WebSocket layer closes bigger frames with 1009.</li>
 *   <li>{@link #DEFAULT_MAX_TEXT_CHARS} 4000: chat text, counted in Unicode code points.</li>
 *   <li>{@link #DEFAULT_MAX_ID_CHARS} 64: client frame ids.</li>
 *   <li>{@link #DEFAULT_MAX_NESTING_DEPTH} 8: no v1 frame nests deeper than 3; a hostile frame
 *       must not make the parser recurse.</li>
 *   <li>{@link #DEFAULT_MAX_STRING_CHARS} 16384: any single JSON string; longer ones are rejected
 *       by Jackson's {@code StreamReadConstraints} before they are materialised.</li>
 * </ul>
 */
public final class ProtocolLimits {
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_TEXT_CHARS = 4000;
    public static final int DEFAULT_MAX_ID_CHARS = 64;
    public static final int DEFAULT_MAX_NESTING_DEPTH = 8;
    public static final int DEFAULT_MAX_STRING_CHARS = 16 * 1024;
    public static final int DEFAULT_MAX_NOTE_CHARS = 1000;
    public static final int DEFAULT_MAX_TOKEN_CHARS = 8192;
    public static final int DEFAULT_MAX_RESUME_POINTS = 200;

    private static final ProtocolLimits DEFAULTS = builder().build();

    private final int maxFrameBytes;
    private final int maxTextChars;
    private final int maxIdChars;
    private final int maxNestingDepth;
    private final int maxStringChars;
    private final int maxNoteChars;
    private final int maxTokenChars;
    private final int maxResumePoints;

    private ProtocolLimits(Builder b) {
        this.maxFrameBytes = b.maxFrameBytes;
        this.maxTextChars = b.maxTextChars;
        this.maxIdChars = b.maxIdChars;
        this.maxNestingDepth = b.maxNestingDepth;
        this.maxStringChars = b.maxStringChars;
        this.maxNoteChars = b.maxNoteChars;
        this.maxTokenChars = b.maxTokenChars;
        this.maxResumePoints = b.maxResumePoints;
    }

    /** The v1 defaults. */
    public static ProtocolLimits defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public int maxTextChars() {
        return maxTextChars;
    }

    public int maxIdChars() {
        return maxIdChars;
    }

    public int maxNestingDepth() {
        return maxNestingDepth;
    }

    public int maxStringChars() {
        return maxStringChars;
    }

    public int maxNoteChars() {
        return maxNoteChars;
    }

    public int maxTokenChars() {
        return maxTokenChars;
    }

    public int maxResumePoints() {
        return maxResumePoints;
    }

    /** Builder with the defaults above. */
    public static final class Builder {
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int maxTextChars = DEFAULT_MAX_TEXT_CHARS;
        private int maxIdChars = DEFAULT_MAX_ID_CHARS;
        private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;
        private int maxStringChars = DEFAULT_MAX_STRING_CHARS;
        private int maxNoteChars = DEFAULT_MAX_NOTE_CHARS;
        private int maxTokenChars = DEFAULT_MAX_TOKEN_CHARS;
        private int maxResumePoints = DEFAULT_MAX_RESUME_POINTS;

        Builder() {
        }

        public Builder maxFrameBytes(int v) {
            this.maxFrameBytes = positive("maxFrameBytes", v);
            return this;
        }

        public Builder maxTextChars(int v) {
            this.maxTextChars = positive("maxTextChars", v);
            return this;
        }

        public Builder maxIdChars(int v) {
            this.maxIdChars = positive("maxIdChars", v);
            return this;
        }

        public Builder maxNestingDepth(int v) {
            this.maxNestingDepth = positive("maxNestingDepth", v);
            return this;
        }

        public Builder maxStringChars(int v) {
            this.maxStringChars = positive("maxStringChars", v);
            return this;
        }

        public Builder maxNoteChars(int v) {
            this.maxNoteChars = positive("maxNoteChars", v);
            return this;
        }

        public Builder maxTokenChars(int v) {
            this.maxTokenChars = positive("maxTokenChars", v);
            return this;
        }

        public Builder maxResumePoints(int v) {
            this.maxResumePoints = positive("maxResumePoints", v);
            return this;
        }

        public ProtocolLimits build() {
            if (maxStringChars < maxTextChars) {
                throw new IllegalArgumentException("maxStringChars " + maxStringChars
                        + " is below maxTextChars " + maxTextChars + ". (expected: maxStringChars >= maxTextChars)");
            }
            return new ProtocolLimits(this);
        }

        private static int positive(String name, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + ": " + v + " (expected: > 0)");
            }
            return v;
        }
    }
}
