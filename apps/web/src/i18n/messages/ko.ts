import type { Messages } from './en'

const ko: Messages = {
  app: { name: 'CMS', tagline: '멀티 클라우드 모니터링' },
  nav: { alerts: '알림', alertRules: '알림 규칙', webhooks: '웹훅', overview: '개요', inventory: '인벤토리', costs: '비용', accounts: '계정', settings: '설정', logout: '로그아웃', language: '언어', organization: '조직', newOrg: '새 조직' },
  auth: {
    login: '로그인', signup: '계정 만들기', email: '이메일', password: '비밀번호', name: '이름', forgot: '비밀번호를 잊으셨나요?',
    noAccount: '계정이 없으신가요?', haveAccount: '이미 계정이 있으신가요?', reset: '비밀번호 재설정', sendReset: '재설정 링크 보내기',
    resetSent: '주소가 존재하면 재설정 링크를 보냈습니다.', newPassword: '새 비밀번호', resetDone: '비밀번호가 변경되었습니다. 이제 로그인할 수 있습니다.',
    passwordHint: '10자 이상', failed: '로그인 실패: 이메일과 비밀번호를 확인하세요.',
  },
  org: {
    create: '조직 만들기', name: '조직 이름', slug: 'URL 이름', created: '조직이 생성되었습니다', switch: '조직 전환',
    inviteTitle: '초대', accept: '초대 수락', accepted: '초대를 수락했습니다', loginFirst: '초대받은 이메일로 로그인한 뒤 수락하세요.',
  },
  overview: {
    title: '개요', resources: '리소스', newResources: '24시간 내 신규 {count}개', byCloud: '클라우드별', byRegion: '리전별', byType: '유형별', byState: '상태별',
    accountsHealth: '계정 상태', alerts: '활성 알림', noAlerts: '활성 알림이 없습니다.',
    mtd: '이번 달 누적', forecast: '이번 달 예상', lastMonth: '지난달', sameSpan: '지난달 같은 기간',
    freshness: '데이터 최신성', lastPolled: '마지막 수집 {ago}', neverPolled: '아직 수집되지 않음', coverage: '모니터링 커버리지',
    coverageDetail: '리소스 {total}개 중 {monitored}개에 지표가 있음', monitoringCost: '모니터링 비용 (클라우드 API)', calls: '이번 달 API 호출 {count}회',
    empty: '연결된 클라우드 계정이 없습니다.', connect: '클라우드 계정 연결',
  },
  inventory: {
    title: '인벤토리', search: '이름 또는 ID 검색', all: '전체', cloud: '클라우드', account: '계정', region: '리전', type: '유형', state: '상태', tag: '태그 (키 또는 키=값)',
    name: '이름', lastSeen: '마지막 확인', firstSeen: '최초 발견', new: '신규', onlyNew: '신규만', apply: '적용', clear: '초기화',
    showing: '{total}개 중 {from}–{to}', prev: '이전', next: '다음', none: '조건에 맞는 리소스가 없습니다.', autoRefresh: '{s}초마다 자동 새로고침',
  },
  resource: {
    attributes: '속성', tags: '태그', noTags: '태그 없음', metrics: '지표', noMetrics: '이 리소스에 대해 수집된 지표가 아직 없습니다.',
    range: '기간', custom: '사용자 지정', from: '시작', to: '종료', noPoints: '이 기간에 데이터가 없습니다.', points: '{count}개 포인트 · {step}', back: '인벤토리',
    nativeId: '고유 ID', account: '계정', state: '상태', region: '리전', type: '유형', firstSeen: '최초 발견', lastSeen: '마지막 확인',
  },
  costs: {
    title: '비용', dailyByService: '서비스별 일일 비용', mtd: '이번 달 누적', lastMonthSame: '지난달 같은 기간', lastMonth: '지난달 (전체)',
    change: '변화', service: '서비스', amount: '금액', filters: '필터', none: '이 기간의 비용 데이터가 없습니다.', total: '합계', groupBy: '그룹 기준',
  },
  accounts: {
    title: '클라우드 계정', add: '계정 연결', status: '상태', lastError: '최근 오류', lastPoll: '마지막 수집', apiCalls: 'API 호출 (30일)', apiCost: 'API 비용 (30일)',
    resources: '리소스', pause: '일시 중지', resume: '재개', delete: '삭제', verify: '지금 확인', deleteConfirm: '이 계정과 데이터를 삭제할까요?',
    retention: '리소스, 지표 시리즈, 일일 비용은 즉시 삭제됩니다. 저장된 지표 포인트는 보존 기간에 따라 제거되며(원본 14일, 롤업 최대 13개월), API 호출 내역은 청구 기록으로 보관됩니다.',
    save: '저장', edit: '편집', credentials: '자격 증명', secretsHidden: '비밀 값은 쓰기 전용이며 표시되지 않습니다. 교체하려면 새 값을 입력하세요.', replace: '자격 증명 교체',
    statuses: { pending: '대기 중', ok: '정상', error: '오류', paused: '일시 중지됨' },
    none: '아직 계정이 없습니다.', verified: '확인 완료', verifyFailed: '확인 실패', missing: '누락된 권한', disabledRegions: '비활성화된 리전',
  },
  onboarding: {
    title: '클라우드 계정 연결', chooseCloud: '클라우드 선택', step: '{n}단계', name: '계정 이름', regions: '리전 (선택, 쉼표로 구분)',
    awsRole: 'IAM 역할 (권장)', awsKeys: '액세스 키 (대안)',
    awsIntro: '이 ExternalId로 당사 주체를 신뢰하는 읽기 전용 역할을 만드세요. 템플릿에는 최소 권한 정책이 포함되어 있습니다.',
    principal: '당사 주체', externalId: 'ExternalId', download: 'CloudFormation 템플릿 다운로드', quickCreate: 'AWS 콘솔에서 빠른 생성 열기',
    policy: '최소 권한 정책', roleArn: '역할 ARN', accessKeyId: '액세스 키 ID', secretAccessKey: '비밀 액세스 키',
    azureIntro: '서비스 주체를 만들고 각 구독에 Reader 및 Monitoring Reader 역할(비용은 Cost Management Reader)을 부여하세요.',
    tenantId: '디렉터리(테넌트) ID', clientId: '애플리케이션(클라이언트) ID', clientSecret: '클라이언트 비밀', subscriptionIds: '구독 ID (쉼표로 구분)',
    gcpIntro: 'roles/viewer, roles/monitoring.viewer, 결제 내보내기에 대한 BigQuery 데이터 뷰어 권한을 가진 서비스 계정을 만들고 JSON 키를 업로드하세요.',
    keyFile: '서비스 계정 JSON 키', projectIds: '프로젝트 ID (쉼표로 구분)',
    save: '저장 및 확인', saving: '확인 중…', done: '계정이 연결되었습니다', goInventory: '인벤토리로 이동', fixAndRetry: '위 문제를 해결한 뒤 다시 저장하세요.',
  },
  settings: {
    title: '설정', members: '구성원', role: '역할', invite: '초대', inviteEmail: '초대할 이메일', inviteLink: '초대 링크 (공유하세요. SMTP가 설정되면 이메일이 발송됩니다)',
    pending: '대기 중인 초대', apiKeys: 'API 키', keyName: '키 이름', scope: '범위', create: '키 만들기', revoke: '폐기', revoked: '폐기됨',
    keyOnce: '지금 이 키를 복사하세요. 한 번만 표시됩니다:', lastUsed: '마지막 사용', never: '사용 안 함', openapi: 'API 문서 (OpenAPI 3.1)',
  },
  alerts: {
    title: '알림', active: '활성', recent: '해결됨 (7일)', none: '알림이 없습니다.', rule: '규칙', state: '상태', since: '시작', resource: '리소스', chart: '차트',
    rulesTitle: '알림 규칙', newRule: '새 지표 규칙', name: '이름', metric: '지표', resourceType: '리소스 유형', comparison: '비교', threshold: '임계값',
    severity: '심각도', enabled: '사용', disable: '끄기', enable: '켜기', delete: '삭제', create: '만들기', kind: '종류',
    webhooksTitle: '웹훅', newWebhook: '새 웹훅 엔드포인트', format: '형식', url: 'URL', routingKey: 'PagerDuty 라우팅 키', status: '상태',
    formats: { standard: '일반 (Standard Webhooks)', slack: 'Slack', pagerduty: 'PagerDuty', alertmanager: 'Alertmanager' },
    secretOnce: '서명 비밀키 — 지금 복사하세요. 다시 표시되지 않습니다:', sendTest: '테스트 전송', rotate: '비밀키 교체', deliveries: '전송 기록',
    replay: '재전송', attempts: '시도', needsAttention: '이 엔드포인트가 자동으로 비활성화되었습니다 ({reason}). 수신 측을 고친 뒤 다시 켜세요.',
    disabled: '비활성', reenable: '다시 켜기', acknowledge: '닫기', testResult: '테스트: {status}', notMonitored: '모니터링 안 됨: 요금제 한도',
    planTitle: '요금제', planName: '현재 요금제: {name}', limit: '한도', used: '사용', unlimited: '무제한', notMonitoredCount: '리소스 {count}개는 인벤토리에만 있고 모니터링되지 않습니다 (요금제 한도).',
    limits: { cloudAccounts: '클라우드 계정', monitoredResources: '모니터링 리소스', alertRules: '알림 규칙', webhookEndpoints: '웹훅 엔드포인트' },
  },
  common: { loading: '불러오는 중…', error: '문제가 발생했습니다', save: '저장', cancel: '취소', yes: '예', no: '아니요', created: '생성일', none: '—' },
}
export default ko
