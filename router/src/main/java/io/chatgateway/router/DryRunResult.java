package io.chatgateway.router;

import java.util.List;

/**
 * What proposed weights would do to the live queue right now, computed on a copy: the order in
 * which waiting shoppers would be served, and projected waits per tier, beside the current ones.
 */
public record DryRunResult(long basedOnVersion, int waiting, List<Entry> order, List<TierWait> current, List<TierWait> proposed) {

    /** One waiting chat: its place now and under the proposal, with the projected wait under the proposal. */
    public record Entry(String chatId, String group, String tier, List<String> tags, long waitedSeconds,
                        int currentPosition, int proposedPosition, long projectedWaitSeconds) {
    }

    /** Projected waits of one tier: mean and worst over its waiting shoppers. */
    public record TierWait(String tier, int waiting, long meanWaitSeconds, long maxWaitSeconds) {
    }
}
