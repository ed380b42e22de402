import { describe, expect, it } from 'vitest';
import {
  campaignEditPath,
  campaignPath,
  campaignsPath,
  customerPath,
  customersPath,
  journeyPath,
  journeysPath,
  loyaltyPath,
  newCampaignPath,
  newJourneyPath,
  newSegmentPath,
  overviewPath,
  parseRoute,
  segmentEditPath,
  segmentPath,
  segmentsPath,
} from './routes.ts';

describe('routes', () => {
  it('reads the page from the path', () => {
    expect(parseRoute('/')).toEqual({ kind: 'home' });
    expect(parseRoute('/overview')).toEqual({ kind: 'overview' });
    expect(parseRoute('/overview/')).toEqual({ kind: 'overview' });
    expect(parseRoute('/customers')).toEqual({ kind: 'customers' });
    expect(parseRoute('/customers/')).toEqual({ kind: 'customers' });
    expect(parseRoute('/settings/users')).toEqual({ kind: 'users' });
    expect(parseRoute('/settings/keys/')).toEqual({ kind: 'keys' });
    expect(parseRoute('/settings/audit')).toEqual({ kind: 'audit' });
    expect(parseRoute('/settings/channels')).toEqual({ kind: 'channels' });
    expect(parseRoute('/settings/contact-policy/')).toEqual({ kind: 'contact' });
    expect(parseRoute('/settings/messages')).toEqual({ kind: 'messages' });
    expect(parseRoute('/customers/42')).toEqual({ kind: 'customer', id: 42 });
    expect(parseRoute('/customers/abc')).toEqual({ kind: 'not_found' });
    expect(parseRoute('/segments')).toEqual({ kind: 'segments' });
    expect(parseRoute('/segments/new')).toEqual({ kind: 'segment_new' });
    expect(parseRoute('/segments/7/')).toEqual({ kind: 'segment', id: 7 });
    expect(parseRoute('/segments/7/edit')).toEqual({ kind: 'segment_edit', id: 7 });
    expect(parseRoute('/segments/abc')).toEqual({ kind: 'not_found' });
    expect(parseRoute('/loyalty')).toEqual({ kind: 'loyalty' });
    expect(parseRoute(loyaltyPath)).toEqual({ kind: 'loyalty' });
    // Pages for capabilities that have not landed do not exist yet.
    expect(parseRoute('/reports')).toEqual({ kind: 'not_found' });
  });

  it('reads and writes the journeys and campaigns paths', () => {
    expect(parseRoute('/journeys')).toEqual({ kind: 'journeys' });
    expect(parseRoute(newJourneyPath)).toEqual({ kind: 'journey_new' });
    expect(parseRoute(journeyPath(5))).toEqual({ kind: 'journey', id: 5 });
    expect(parseRoute('/journeys/5/')).toEqual({ kind: 'journey', id: 5 });
    expect(parseRoute('/journeys/x')).toEqual({ kind: 'not_found' });
    expect(parseRoute(campaignsPath)).toEqual({ kind: 'campaigns' });
    expect(parseRoute(newCampaignPath)).toEqual({ kind: 'campaign_new' });
    expect(parseRoute(campaignPath(9))).toEqual({ kind: 'campaign', id: 9 });
    expect(parseRoute('/campaigns/9/results')).toEqual({ kind: 'not_found' });
    expect(parseRoute(campaignEditPath(9))).toEqual({ kind: 'campaign_edit', id: 9 });
    expect(campaignEditPath(9)).toBe('/campaigns/9/edit');
    expect([journeysPath, newJourneyPath, journeyPath(5), campaignsPath, newCampaignPath, campaignPath(9)]).toEqual(['/journeys', '/journeys/new', '/journeys/5', '/campaigns', '/campaigns/new', '/campaigns/9']);
  });

  it('writes the segments paths', () => {
    expect([segmentsPath, newSegmentPath, segmentPath(3), segmentEditPath(3)]).toEqual(['/segments', '/segments/new', '/segments/3', '/segments/3/edit']);
    expect(parseRoute(segmentEditPath(3))).toEqual({ kind: 'segment_edit', id: 3 });
  });

  it('writes paths with the list filters', () => {
    expect(customerPath(7)).toBe('/customers/7');
    expect(customersPath()).toBe('/customers');
    expect(customersPath({ q: '张伟', tag: 'VIP' })).toBe('/customers?q=%E5%BC%A0%E4%BC%9F&tag=VIP');
    expect(parseRoute(new URL(customersPath({ q: 'a b' }), 'http://x').pathname)).toEqual({ kind: 'customers' });
  });

  it('writes the overview path with its period, at / when it is home', () => {
    expect(overviewPath()).toBe('/overview');
    expect(overviewPath(false, { from: '2026-01-01', to: '2026-01-31' })).toBe('/overview?from=2026-01-01&to=2026-01-31');
    expect(overviewPath(true, { from: '2026-01-01', to: '2026-01-31' })).toBe('/?from=2026-01-01&to=2026-01-31');
  });
});
