package io.chatgateway.router.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Agent records from the compact rows the Redis room index keeps (see {@code lua/room-fn.lua} and
 * {@link RedisRecords#agentOfRow}). A decision reads every agent with room in its group; between
 * two decisions most rows are unchanged, so a row equal to the agent's last one reuses its record
 * instead of parsing it again. Thread-safe (every router lane reads through it).
 */
final class AgentRows {
    private record Parsed(String row, AgentRecord agent) {
    }

    private final Map<String, Parsed> last = new ConcurrentHashMap<>(); // agentId -> last row and its record

    List<AgentRecord> parse(List<?> rows) {
        List<AgentRecord> out = new ArrayList<>(rows.size());
        for (Object o : rows) {
            String row = (String) o;
            String id = row.substring(0, Math.max(0, row.indexOf('\u001f')));
            Parsed p = last.get(id);
            if (p == null || !p.row().equals(row)) {
                p = new Parsed(row, RedisRecords.agentOfRow(row));
                last.put(id, p);
            }
            out.add(p.agent());
        }
        return out;
    }
}
